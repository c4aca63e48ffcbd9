#include <sqlite3.h>

/// `sqlite3_config` is variadic, which Swift cannot call: this sets what flowq needs before SQLite's first use in the
/// process (after that it returns SQLITE_MISUSE and changes nothing).
/// - Multi-thread mode: no mutex on each call into a connection (GRDB already serializes every connection's use, and
///   supports only this mode), where the serialized default locks one on every bind and step.
/// - No memory statistics: no global mutex and counters on every allocation and free.
static inline int flowq_sqlite_configure(void) {
    int rc = sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    if (rc == SQLITE_OK) rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return rc;
}
