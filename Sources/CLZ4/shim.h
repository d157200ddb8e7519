// liblz4 block API: the LZ4 half of bitshuffle-LZ4 (HDF5 filter 32008).
#include <lz4.h>
