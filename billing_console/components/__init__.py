"""Pure render functions: they take values or Vars and return components, and never import a state."""
