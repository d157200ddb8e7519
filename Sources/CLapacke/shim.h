// OpenBLAS (CBLAS) and LAPACKE for Swift: the numerics of MXMath.
#include <cblas.h>
#include <lapacke.h>
