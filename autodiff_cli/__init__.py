"""The `autodiff` command: an application over the `autodiff` engine and the `nn` library."""
