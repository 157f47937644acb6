/* Symbolic names of errno values ("EINVAL"), for console result lines and logs. */
#ifndef ERRNAME_H
#define ERRNAME_H
/* err may be negative or positive; unknown values give "EUNKNOWN". */
const char *errname(int err);
#endif
