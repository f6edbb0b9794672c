"""Page sections: the parts of a page that read its state, built from `components/`."""
