// FFTW3 (double precision) for Swift: the FFTs of MXMath (indexing's 3-D
// basis-vector search). FFTW is Debian's well-kept, fastest general FFT.
#include <fftw3.h>
