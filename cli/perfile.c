#include "perfile.h"
int ns_perfile_run(struct ns_args *a, ns_perfile_run_fn run)
{
    struct ns_run_totals t = {0};
    return run(a, &t);
}
