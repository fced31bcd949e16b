"""The fixture HTTP server lives in the package (``briefwatch.sitesrv``) so that ``briefwatch demo`` can use it
from an installed package; tests and benchmarks import it from here as before."""

from briefwatch.sitesrv import GEN_PER_PAGE, SMALL_PAGE, SiteServer, encode_cp1258, main

__all__ = ["GEN_PER_PAGE", "SMALL_PAGE", "SiteServer", "encode_cp1258", "main"]

if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
