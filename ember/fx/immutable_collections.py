"""``torch.fx.immutable_collections``: the list and dict types of a Node's args and kwargs, which
refuse in-place changes (a Node's arguments change only through ``node.args = ...``, which keeps
the users bookkeeping right)."""
__all__ = ['immutable_list', 'immutable_dict']


def _no_mutation(self, *args, **kwargs):
    raise TypeError(f"'{type(self).__name__}' object does not support mutation. "
                    "If you are attempting to modify the kwargs or args of a torch.fx.Node object,\n"
                    "instead create a new copy of it and assign the copy to the node:\n"
                    "    new_args = ... # copy and mutate args\n"
                    "    node.args = new_args\n")


class immutable_list(list):
    __delitem__ = __iadd__ = __imul__ = __setitem__ = append = clear = extend = insert = pop = remove = \
        reverse = sort = _no_mutation

    def __hash__(self):
        return hash(tuple(self))

    def __reduce__(self):
        return (immutable_list, (tuple(iter(self)),))


class immutable_dict(dict):
    __delitem__ = __setitem__ = clear = pop = popitem = setdefault = update = __ior__ = _no_mutation

    def __hash__(self):
        return hash(tuple(self.items()))

    def __reduce__(self):
        return (immutable_dict, (list(self.items()),))
