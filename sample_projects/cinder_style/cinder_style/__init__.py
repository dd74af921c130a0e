"""cinder_style: a block-storage API with Cinder-style contrib extensions."""
