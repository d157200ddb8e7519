// Debian's libsqlite3: the batch state database (mxflow_batch.sqlite).
#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro Swift cannot import: bound text is copied
// by SQLite before the call returns.
static inline void (*csqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
