"""The policy's service tests run in the isolation world: tenant A in every billing state, and B."""

from tests.isolation.conftest import _built_pairs, _document_store, pair  # noqa: F401  (fixtures)
