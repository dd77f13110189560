#!/usr/bin/python3
"""verifier_log.py OBJECT PROG [PROG...]: the kernel verifier's log for BPF
programs of one of ward's objects (build/ward.bpf.o, build/ward_compat.bpf.o),
each loaded on its own through libbpf (ctypes, libbpf.so.1): its maps are
created, the other programs are not loaded. Prints, for every program, whether
it loaded and, if not, the tail of the verifier's log (mark_precise lines
left out). Used by smoke.py when a hook failed; works on any machine, as root.

The programs are loaded with ward's read-only configuration left at zero, so
the log can differ from ward's own load in details, not in what is refused.
"""

import ctypes
import os
import sys

TAIL = int(os.environ.get("WARD_VERIFIER_TAIL", "40"))
LOG_SIZE = 64 << 20

lib = ctypes.CDLL("libbpf.so.1", use_errno=True)
lib.bpf_object__open_file.restype = ctypes.c_void_p
lib.bpf_object__open_file.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
lib.bpf_object__next_program.restype = ctypes.c_void_p
lib.bpf_object__next_program.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
lib.bpf_program__name.restype = ctypes.c_char_p
lib.bpf_program__name.argtypes = [ctypes.c_void_p]
lib.bpf_program__set_autoload.argtypes = [ctypes.c_void_p, ctypes.c_bool]
lib.bpf_program__set_log_buf.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
lib.bpf_program__set_log_level.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
lib.bpf_object__load.argtypes = [ctypes.c_void_p]
lib.bpf_object__close.argtypes = [ctypes.c_void_p]
lib.libbpf_get_error.restype = ctypes.c_long
lib.libbpf_get_error.argtypes = [ctypes.c_void_p]
PRINT_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)
_quiet = PRINT_FN(lambda level, fmt, args: 0)
lib.libbpf_set_print.restype = ctypes.c_void_p
lib.libbpf_set_print.argtypes = [PRINT_FN]
lib.libbpf_set_print(_quiet)


def load_one(path, name):
    """(loaded, log text) for program name of the object at path."""
    obj = lib.bpf_object__open_file(path.encode(), None)
    if not obj or lib.libbpf_get_error(obj):
        return False, "cannot open %s" % path
    buf = ctypes.create_string_buffer(LOG_SIZE)
    found = False
    try:
        p = lib.bpf_object__next_program(obj, None)
        while p:
            mine = lib.bpf_program__name(p).decode() == name
            found |= mine
            lib.bpf_program__set_autoload(p, mine)
            if mine:
                lib.bpf_program__set_log_buf(p, buf, LOG_SIZE)
                lib.bpf_program__set_log_level(p, 1)
            p = lib.bpf_object__next_program(obj, p)
        if not found:
            return False, "no program %s in %s" % (name, path)
        rc = lib.bpf_object__load(obj)
        log = buf.value.decode("utf-8", "replace")
        if rc and not log:
            log = "(no verifier log) load failed: %s" % os.strerror(-rc if rc < 0 else rc)
        return rc == 0, log
    finally:
        lib.bpf_object__close(obj)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    path, names, bad = argv[1], argv[2:], 0
    for name in names:
        ok, log = load_one(path, name)
        if ok:
            print("verifier: %s loads when alone (%d log lines)" % (name, log.count("\n")))
            continue
        bad += 1
        lines = [line for line in log.splitlines() if not line.startswith("mark_precise:")]
        print("verifier: %s refused; last %d lines of its log (%d lines, mark_precise left out):"
              % (name, min(TAIL, len(lines)), log.count("\n")))
        for line in lines[-TAIL:]:
            print("  | " + line[:300])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
