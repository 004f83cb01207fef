// Run-time binding to Open MPI (libmpi.so.40), so EdgeAgent builds and runs without MPI installed.
// Nothing here includes <mpi.h>: the handles MPI_COMM_WORLD, MPI_FLOAT, MPI_DOUBLE, MPI_SUM are, in Open MPI's
// ABI, addresses of the globals ompi_mpi_comm_world, ompi_mpi_float, ompi_mpi_double, ompi_mpi_op_sum, which
// edge_mpi_load resolves with dlsym. MPICH and other ABIs are not supported (edge_mpi_load reports it).
//
// Every call is serialised by one mutex, so with MPI_THREAD_SERIALIZED a communication thread and the main
// thread may both call in. Return values: 0 = success, otherwise an MPI error code or −1;
// edge_mpi_last_error() then describes the failure.
#ifndef CMPISHIM_H
#define CMPISHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Opens libmpi (EDGEAGENT_LIBMPI, else libmpi.so.40, else libmpi.so) and resolves the symbols. Idempotent.
int edge_mpi_load(void);
/// MPI_Init_thread at `thread_level` (1 = MPI_THREAD_FUNNELED: only the initialising thread calls MPI;
/// 2 = MPI_THREAD_SERIALIZED: any thread, one at a time), with MPI_ERRORS_RETURN on MPI_COMM_WORLD.
int edge_mpi_init(int thread_level);
int edge_mpi_finalize(void);
int edge_mpi_rank(int *rank);
int edge_mpi_size(int *size);
/// In-place MPI_Allreduce(MPI_SUM) over MPI_COMM_WORLD.
int edge_mpi_allreduce_sum_float(float *buffer, long count);
int edge_mpi_allreduce_sum_double(double *buffer, long count);
/// MPI_Bcast from `root` over MPI_COMM_WORLD.
int edge_mpi_bcast_float(float *buffer, long count, int root);
int edge_mpi_barrier(void);
/// MPI_Abort(MPI_COMM_WORLD, code) without taking the lock (it must work while another thread is blocked in a collective).
void edge_mpi_abort(int code);
/// Description of the last failure (loader or MPI error string).
const char *edge_mpi_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
