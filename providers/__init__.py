"""Platform providers: one module per platform behind one `Provider` protocol."""
