// See include/cmpishim.h.
#include "cmpishim.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void *Handle;   // MPI_Comm, MPI_Datatype, MPI_Op: pointers in Open MPI's ABI

static struct {
    void *lib;
    int (*init_thread)(int *, char ***, int, int *);
    int (*initialized)(int *);
    int (*finalize)(void);
    int (*comm_rank)(Handle, int *);
    int (*comm_size)(Handle, int *);
    int (*allreduce)(const void *, void *, int, Handle, Handle, Handle);
    int (*bcast)(void *, int, Handle, int, Handle);
    int (*barrier)(Handle);
    int (*abort_)(Handle, int);
    int (*error_string)(int, char *, int *);
    int (*comm_set_errhandler)(Handle, Handle);
    Handle comm_world, type_float, type_double, op_sum, errors_return;
} mpi;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char last_error[512] = "";

static void *const in_place = (void *)1;   // MPI_IN_PLACE in Open MPI

const char *edge_mpi_last_error(void) { return last_error; }

static int fail(const char *what, int code) {
    char text[256] = "";
    int len = 0;
    if (mpi.error_string && code > 0 && mpi.error_string(code, text, &len) == 0) {
        snprintf(last_error, sizeof last_error, "%s failed: %s", what, text);
    } else {
        snprintf(last_error, sizeof last_error, "%s failed (code %d)", what, code);
    }
    return code == 0 ? -1 : code;
}

#define RESOLVE(field, name)                                                     \
    do {                                                                         \
        *(void **)(&mpi.field) = dlsym(mpi.lib, name);                           \
        if (!mpi.field) {                                                        \
            snprintf(last_error, sizeof last_error, "%s not found in libmpi (Open MPI is required)", name); \
            return -1;                                                           \
        }                                                                        \
    } while (0)

int edge_mpi_load(void) {
    if (mpi.lib) return 0;
    // EDGEAGENT_LIBMPI, when set, is the only candidate (tests use it to simulate a machine without MPI).
    const char *forced = getenv("EDGEAGENT_LIBMPI");
    const char *names[3] = {forced, "libmpi.so.40", "libmpi.so"};
    const int candidates = forced && *forced ? 1 : 3;
    const char *tried = NULL;
    for (int i = 0; i < candidates && !mpi.lib; i++) {
        if (!names[i] || !*names[i]) continue;
        tried = names[i];
        // RTLD_GLOBAL: Open MPI's plugins (mca_*.so) resolve libmpi's symbols from the global scope.
        mpi.lib = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
    }
    if (!mpi.lib) {
        snprintf(last_error, sizeof last_error, "cannot load %s: %s", tried ? tried : "libmpi", dlerror());
        return -1;
    }
    RESOLVE(init_thread, "MPI_Init_thread");
    RESOLVE(initialized, "MPI_Initialized");
    RESOLVE(finalize, "MPI_Finalize");
    RESOLVE(comm_rank, "MPI_Comm_rank");
    RESOLVE(comm_size, "MPI_Comm_size");
    RESOLVE(allreduce, "MPI_Allreduce");
    RESOLVE(bcast, "MPI_Bcast");
    RESOLVE(barrier, "MPI_Barrier");
    RESOLVE(abort_, "MPI_Abort");
    RESOLVE(error_string, "MPI_Error_string");
    RESOLVE(comm_set_errhandler, "MPI_Comm_set_errhandler");
    RESOLVE(comm_world, "ompi_mpi_comm_world");
    RESOLVE(type_float, "ompi_mpi_float");
    RESOLVE(type_double, "ompi_mpi_double");
    RESOLVE(op_sum, "ompi_mpi_op_sum");
    RESOLVE(errors_return, "ompi_mpi_errors_return");
    return 0;
}

int edge_mpi_init(int thread_level) {
    if (edge_mpi_load() != 0) return -1;
    pthread_mutex_lock(&lock);
    int done = 0, provided = 0, rc = 0;
    mpi.initialized(&done);
    if (!done) {
        rc = mpi.init_thread(NULL, NULL, thread_level, &provided);   // Open MPI's enum: SINGLE 0, FUNNELED 1, SERIALIZED 2
        if (rc == 0 && provided < thread_level) {
            snprintf(last_error, sizeof last_error, "MPI_Init_thread: this Open MPI provides thread level %d, need %d", provided, thread_level);
            rc = -1;
        } else if (rc != 0) {
            rc = fail("MPI_Init_thread", rc);
        } else {
            rc = mpi.comm_set_errhandler(mpi.comm_world, mpi.errors_return);
            if (rc != 0) rc = fail("MPI_Comm_set_errhandler", rc);
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

int edge_mpi_finalize(void) {
    pthread_mutex_lock(&lock);
    int rc = mpi.finalize ? mpi.finalize() : -1;
    pthread_mutex_unlock(&lock);
    return rc == 0 ? 0 : fail("MPI_Finalize", rc);
}

int edge_mpi_rank(int *rank) {
    pthread_mutex_lock(&lock);
    int rc = mpi.comm_rank(mpi.comm_world, rank);
    pthread_mutex_unlock(&lock);
    return rc == 0 ? 0 : fail("MPI_Comm_rank", rc);
}

int edge_mpi_size(int *size) {
    pthread_mutex_lock(&lock);
    int rc = mpi.comm_size(mpi.comm_world, size);
    pthread_mutex_unlock(&lock);
    return rc == 0 ? 0 : fail("MPI_Comm_size", rc);
}

// MPI counts are int: long buffers go in chunks of at most INT_MAX/2 elements.
static const long chunk = INT_MAX / 2;

static int allreduce(void *buffer, long count, Handle type, size_t elem, const char *what) {
    pthread_mutex_lock(&lock);
    int rc = 0;
    for (long off = 0; off < count && rc == 0; off += chunk) {
        long n = count - off < chunk ? count - off : chunk;
        rc = mpi.allreduce(in_place, (char *)buffer + off * elem, (int)n, type, mpi.op_sum, mpi.comm_world);
    }
    pthread_mutex_unlock(&lock);
    return rc == 0 ? 0 : fail(what, rc);
}

int edge_mpi_allreduce_sum_float(float *buffer, long count) {
    return allreduce(buffer, count, mpi.type_float, sizeof(float), "MPI_Allreduce");
}

int edge_mpi_allreduce_sum_double(double *buffer, long count) {
    return allreduce(buffer, count, mpi.type_double, sizeof(double), "MPI_Allreduce");
}

int edge_mpi_bcast_float(float *buffer, long count, int root) {
    pthread_mutex_lock(&lock);
    int rc = 0;
    for (long off = 0; off < count && rc == 0; off += chunk) {
        long n = count - off < chunk ? count - off : chunk;
        rc = mpi.bcast(buffer + off, (int)n, mpi.type_float, root, mpi.comm_world);
    }
    pthread_mutex_unlock(&lock);
    return rc == 0 ? 0 : fail("MPI_Bcast", rc);
}

int edge_mpi_barrier(void) {
    pthread_mutex_lock(&lock);
    int rc = mpi.barrier(mpi.comm_world);
    pthread_mutex_unlock(&lock);
    return rc == 0 ? 0 : fail("MPI_Barrier", rc);
}

void edge_mpi_abort(int code) {
    if (mpi.abort_) mpi.abort_(mpi.comm_world, code);
}
