"""What every Python reference of scripts/bench shares: the thread settings imbfair uses, and the --serve loop.

The C# driver (bench/ImbalanceFair.Bench/ReferenceProcess.cs) starts a reference once with --serve, waits for its
ready line, then sends one command per line on stdin and reads one JSON line per command; "quit" ends it.
"""
import ctypes
import json
import os
import sys


def set_blas_threads(n):
    """openblas_set_num_threads on the OpenBLAS libtorch loaded (as torch.set_blas_num_threads in imbfair)."""
    for name in ("libopenblas.so.0", "libblas.so.3", "libopenblas.so", "libopenblasp.so.0"):
        try:
            lib = ctypes.CDLL(name, mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
            fn = lib.openblas_set_num_threads
        except (OSError, AttributeError):
            continue
        fn(n)
        return True
    return False


def pin_threads(threads, blas_threads):
    """libtorch's intra-op threads, and OpenBLAS's own pool (0: leave it as loaded), as imbfair sets them."""
    import torch

    torch.set_num_threads(threads)
    if blas_threads > 0 and not set_blas_threads(blas_threads):
        print("note: the BLAS is not OpenBLAS; --blas-threads ignored", file=sys.stderr)


def serve(commands, ready="ready"):
    """Prints the ready line, then answers each stdin line "NAME [ARGUMENT]" with commands[NAME](ARGUMENT or None)
    as one JSON line, until "quit". An unknown command or an exception is answered {"error": ...}: the driver stops
    with the message instead of waiting on a reference that died mid-protocol."""
    print(ready, flush=True)
    for line in sys.stdin:
        parts = line.split(maxsplit=1)
        if not parts:
            continue
        name, argument = parts[0], parts[1].strip() if len(parts) > 1 else None
        if name == "quit":
            break
        try:
            if name not in commands:
                raise ValueError(f"unknown command {name}")
            answer = commands[name](argument)
        except Exception as e:  # reported to the driver, which stops
            answer = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(answer), flush=True)
