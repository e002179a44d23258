"""Fake ``cupy.cuda.memory``: the allocator hook and the memory-pointer classes it returns."""
from . import runtime


class BaseMemory:
    def __init__(self, ptr=0, size=0, device_id=0):
        self.ptr = ptr
        self.size = size
        self.device_id = device_id


class UnownedMemory(BaseMemory):
    def __init__(self, ptr, size, owner, device_id=None):
        super().__init__(ptr, size, 0 if device_id is None else device_id)
        self._owner = owner


class Memory(BaseMemory):
    def __init__(self, size):
        super().__init__(runtime.malloc(size) if size else 0, size)

    def __del__(self):
        if self.ptr:
            runtime.free(self.ptr)


class MemoryPointer:
    def __init__(self, mem, offset):
        self.mem = mem
        self.ptr = mem.ptr + offset
        self.device_id = mem.device_id


class MemoryPool:
    def malloc(self, size):
        return MemoryPointer(Memory(size), 0)

    def used_bytes(self):
        return 0

    def free_all_blocks(self):
        pass


def _default(size):
    return MemoryPointer(Memory(size), 0)


_allocator = _default


def set_allocator(allocator=None):
    global _allocator
    _allocator = allocator or _default


def get_allocator():
    return _allocator


def _alloc(nbytes):
    return _allocator(nbytes)
