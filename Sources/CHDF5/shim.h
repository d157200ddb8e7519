// HDF5 serial C API for Swift. H5T_NATIVE_* and H5F_ACC_* are macros (or
// globals that need H5open first), which Swift cannot import: wrap them.
#include <hdf5.h>

static inline hid_t chdf5_native_uint8(void) { H5open(); return H5T_NATIVE_UINT8; }
static inline hid_t chdf5_native_int8(void) { H5open(); return H5T_NATIVE_INT8; }
static inline hid_t chdf5_native_uint16(void) { H5open(); return H5T_NATIVE_UINT16; }
static inline hid_t chdf5_native_int16(void) { H5open(); return H5T_NATIVE_INT16; }
static inline hid_t chdf5_native_uint32(void) { H5open(); return H5T_NATIVE_UINT32; }
static inline hid_t chdf5_native_int32(void) { H5open(); return H5T_NATIVE_INT32; }
static inline hid_t chdf5_native_uint64(void) { H5open(); return H5T_NATIVE_UINT64; }
static inline hid_t chdf5_native_int64(void) { H5open(); return H5T_NATIVE_INT64; }
static inline hid_t chdf5_native_float(void) { H5open(); return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_native_double(void) { H5open(); return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_c_s1(void) { H5open(); return H5T_C_S1; }
static inline hid_t chdf5_std_u32le(void) { H5open(); return H5T_STD_U32LE; }
static inline hid_t chdf5_std_i32le(void) { H5open(); return H5T_STD_I32LE; }
static inline hid_t chdf5_ieee_f64le(void) { H5open(); return H5T_IEEE_F64LE; }
static inline hid_t chdf5_ieee_f32le(void) { H5open(); return H5T_IEEE_F32LE; }
static inline hid_t chdf5_p_dataset_create(void) { H5open(); return H5P_DATASET_CREATE; }
static inline hid_t chdf5_p_link_access(void) { H5open(); return H5P_LINK_ACCESS; }
static inline hid_t chdf5_p_file_access(void) { H5open(); return H5P_FILE_ACCESS; }
static inline unsigned chdf5_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned chdf5_f_acc_rdwr(void) { return H5F_ACC_RDWR; }
/// Silences HDF5's automatic error-stack printing; mxflow reports errors itself.
static inline void chdf5_silence_errors(void) { H5open(); H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
static inline hid_t chdf5_p_dataset_xfer(void) { H5open(); return H5P_DATASET_XFER; }
static inline hid_t chdf5_p_link_create(void) { H5open(); return H5P_LINK_CREATE; }
static inline hid_t chdf5_p_file_create(void) { H5open(); return H5P_FILE_CREATE; }
/// H5T_VARIABLE ((size_t)-1): the size of a variable-length string type.
static inline size_t chdf5_variable(void) { return H5T_VARIABLE; }
static inline unsigned chdf5_z_flag_optional(void) { return H5Z_FLAG_OPTIONAL; }
static inline unsigned chdf5_z_flag_mandatory(void) { return H5Z_FLAG_MANDATORY; }
static inline unsigned chdf5_f_acc_excl(void) { return H5F_ACC_EXCL; }
/// Whether this libhdf5 was built thread-safe (one global lock around every call).
static inline int chdf5_is_threadsafe(void) { hbool_t t = 0; H5is_library_threadsafe(&t); return t ? 1 : 0; }
static inline hid_t chdf5_std_u16le(void) { H5open(); return H5T_STD_U16LE; }
static inline hid_t chdf5_std_i64le(void) { H5open(); return H5T_STD_I64LE; }
static inline hid_t chdf5_p_dataset_access(void) { H5open(); return H5P_DATASET_ACCESS; }
