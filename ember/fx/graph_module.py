"""``torch.fx.GraphModule``: an nn.Module whose forward is the code generated from its Graph."""
import copy
import linecache
import sys

from ..nn.modules.container import _addindent
from .graph import Graph, _custom_builtins

__all__ = ['GraphModule']


class _EvalCacheLoader:
    """Keeps the generated sources so that tracebacks and ``inspect`` can show their lines."""

    def __init__(self):
        self.eval_cache = {}
        self.next_id = 0

    def cache(self, src, globals):
        key = f'<eval_with_key>.{self.next_id}'
        self.next_id += 1
        self.eval_cache[key] = src
        globals_copy = dict(globals)
        globals_copy['__file__'] = key
        globals_copy['__name__'] = key
        globals_copy['__loader__'] = self
        linecache.lazycache(key, globals_copy)
        return key

    def get_source(self, module_name):
        return self.eval_cache.get(module_name)


_loader = _EvalCacheLoader()


def _exec_with_source(src, globals):
    key = _loader.cache(src, globals)
    exec(compile(src, key, 'exec'), globals)


def _forward_from_src(src, globals):
    globals_copy = dict(globals)
    _exec_with_source(src, globals_copy)
    return globals_copy['forward']


def _module():
    import ember
    return ember.nn.Module


def _copy_attr(from_module, to_module, target):
    import ember
    *prefix, field = target.split('.')
    for item in prefix:
        f = getattr(from_module, item)
        t = getattr(to_module, item, None)
        if f is t:
            return
        if t is None:
            t = ember.nn.Module()
            setattr(to_module, item, t)
        from_module, to_module = f, t
    orig = getattr(from_module, field)
    if isinstance(orig, ember.Tensor) and not isinstance(orig, ember.nn.Parameter):
        to_module.register_buffer(field, orig)
    else:
        setattr(to_module, field, orig)


def _assign_attr(from_obj, to_module, target):
    import ember
    *prefix, field = target.split('.')
    for item in prefix:
        t = getattr(to_module, item, None)
        if t is None:
            t = ember.nn.Module()
            setattr(to_module, item, t)
        to_module = t
    if isinstance(from_obj, ember.Tensor) and not isinstance(from_obj, ember.nn.Parameter):
        to_module.register_buffer(field, from_obj)
    else:
        setattr(to_module, field, from_obj)


class _CodeOnlyModule:
    pass


def _make_class():
    import ember

    class GraphModule(ember.nn.Module):
        """An nn.Module made from a Graph: ``graph``, ``code`` and the generated ``forward``.
        After editing ``graph`` in place, ``recompile()`` regenerates the code."""

        def __new__(cls, *args, **kwargs):
            for t in cls.__mro__:
                c = t.__qualname__.split('.')[-1]
                if c != 'GraphModuleImpl':
                    cls = t
                    break

            class GraphModuleImpl(cls):
                pass
            return super().__new__(GraphModuleImpl)

        def __init__(self, root, graph, class_name='GraphModule'):
            super().__init__()
            self.__class__.__name__ = class_name
            if isinstance(root, ember.nn.Module):
                if hasattr(root, 'training'):
                    self.training = root.training
                if getattr(root, '_fx_code_only', False):
                    for k, _ in root.named_children():
                        _copy_attr(root, self, k)
                    for k, _ in root.named_buffers():
                        _copy_attr(root, self, k)
                    for k, _ in root.named_parameters():
                        _copy_attr(root, self, k)
                for node in graph.nodes:
                    if node.op in ['get_attr', 'call_module']:
                        _copy_attr(root, self, node.target)
            elif isinstance(root, dict):
                targets_to_copy = []
                for node in graph.nodes:
                    if node.op in ['get_attr', 'call_module']:
                        if node.target not in root:
                            raise RuntimeError('Node ' + str(node) + ' referenced target ' + node.target +
                                               ' but that target was not provided in ``root``!')
                        targets_to_copy.append(node.target)
                targets_to_copy.sort(key=lambda t: t.count('.'))
                for target_to_copy in targets_to_copy:
                    _assign_attr(root[target_to_copy], self, target_to_copy)
            else:
                raise RuntimeError('Unsupported type ' + str(root) + ' passed for root!')
            self.graph = graph
            self._tracer_cls = None
            if self.graph._tracer_cls and '<locals>' not in self.graph._tracer_cls.__qualname__:
                self._tracer_cls = self.graph._tracer_cls
            self._tracer_extras = {}
            self.meta = {}

        @property
        def graph(self):
            return self._graph

        @graph.setter
        def graph(self, g):
            if not isinstance(g, Graph):
                raise AssertionError(f'Expected a Graph instance, but got {type(g)}')
            self.__dict__['_graph'] = g
            g.owning_module = self
            self.recompile()

        def add_submodule(self, target, m):
            *prefix, field = target.split('.')
            mod = self
            for item in prefix:
                submod = getattr(mod, item, None)
                if submod is None:
                    submod = ember.nn.Module()
                    setattr(mod, item, submod)
                if not isinstance(submod, ember.nn.Module):
                    return False
                mod = submod
            mod.add_module(field, m)
            return True

        def delete_submodule(self, target):
            atoms = target.split('.')
            path, target_submod = atoms[:-1], atoms[-1]
            mod = self
            for item in path:
                if not hasattr(mod, item):
                    return False
                mod = getattr(mod, item)
                if not isinstance(mod, ember.nn.Module):
                    return False
            if not hasattr(mod, target_submod):
                return False
            if not isinstance(getattr(mod, target_submod), ember.nn.Module):
                return False
            delattr(mod, target_submod)
            return True

        def delete_all_unused_submodules(self):
            import itertools
            used = []
            for node in self.graph.nodes:
                if node.op in ('call_module', 'get_attr') and isinstance(node.target, str):
                    fullpath = node.target.split('.')
                    used.extend(itertools.accumulate(fullpath, lambda x, y: '.'.join([x, y] if y else [x])))
                    if node.op == 'call_module':
                        try:
                            submod = self.get_submodule(node.target)
                            for submod_name, _ in submod.named_modules():
                                if submod_name != '':
                                    used.append('.'.join([node.target, submod_name]))
                        except AttributeError:
                            pass
            to_delete = [name for name, _ in self.named_modules() if name not in used]
            for name in to_delete:
                self.delete_submodule(name)

        @property
        def code(self):
            if '_code' not in self.__dict__:
                raise RuntimeError('Code has not been generated! Please report a bug to PyTorch')
            return self.__dict__['_code']

        def recompile(self):
            """Regenerate ``code`` and ``forward`` from ``graph`` (after editing the graph in place)."""
            python_code = self._graph.python_code(root_module='self')
            self.__dict__['_code'] = python_code.src
            cls = type(self)
            cls.forward = _forward_from_src(self._code, python_code.globals)
            for name, mod in self.named_children():
                if isinstance(mod, GraphModule):
                    mod.recompile()
            return python_code

        def __reduce__(self):
            raise NotImplementedError('pickling a GraphModule is not supported by ember')

        def __deepcopy__(self, memo):
            res = type(self).__new__(type(self))
            memo[id(self)] = res
            fake_mod = ember.nn.Module()
            fake_mod.__dict__.update(copy.deepcopy(self.__dict__, memo))
            fake_mod.__dict__['_fx_code_only'] = True
            GraphModule.__init__(res, fake_mod, fake_mod.__dict__['_graph'])
            res.meta = copy.deepcopy(getattr(self, 'meta', {}), memo)
            return res

        def __copy__(self):
            res = GraphModule(self, self.graph)
            res.meta = getattr(self, 'meta', {})
            return res

        def print_readable(self, print_output=True, include_stride=False, include_device=False, colored=False,
                           **kwargs):
            module_code = self.graph.python_code(root_module='self', verbose=True).src
            module_code = module_code.lstrip('\n')
            module_code = f'class {self._get_name()}(torch.nn.Module):\n' + module_code
            module_code = _addindent(module_code, 4)
            submodule_code_list = ['']
            for submodule_name, submodule in self.named_children():
                if isinstance(submodule, GraphModule):
                    submodule_code_list.append(submodule.print_readable(print_output=False))
            output = module_code + _addindent('\n'.join(submodule_code_list), 4)
            if print_output:
                print(output)
            return output

        def __str__(self):
            orig_str = super().__str__()
            print_readable_reminder = '# To see more debug info, please use `graph_module.print_readable()`'
            return '\n'.join([orig_str, self._code, print_readable_reminder])

    GraphModule.__module__ = 'ember.fx.graph_module'
    return GraphModule


GraphModule = _make_class()
del sys, _custom_builtins
