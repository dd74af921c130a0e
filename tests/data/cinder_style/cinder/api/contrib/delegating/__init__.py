def extension(ext_mgr):
    """This package loads its own extensions."""
