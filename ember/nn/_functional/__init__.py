"""Families of ``ember.nn.functional``: activation, dropout, linear, sparse, padding, normalization, loss."""
