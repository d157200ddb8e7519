// OpenBLAS (CBLAS) and LAPACKE for Swift: the numerics of MXMath.
#include <cblas.h>
#include <lapacke.h>

/* Exported by OpenBLAS (its fork handler's call) but in none of its headers:
   stops and joins the library's worker threads. */
int blas_thread_shutdown_(void);
