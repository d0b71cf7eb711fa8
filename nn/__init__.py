"""nn: neural networks built only from `autodiff.Value` operations."""
