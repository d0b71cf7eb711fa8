"""The checks: the engine's derivatives against central differences and derivations by hand."""
