class Ignored(object):
    alias = "ignored"
