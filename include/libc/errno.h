/* Linux errno numbers (x86-64), the one error vocabulary of Baton: int functions
 * return 0 or -Exxx. errname() (include/errname.h) gives the symbolic name. */
#ifndef _BATON_ERRNO_H
#define _BATON_ERRNO_H
#define EPERM      1
#define ENOENT     2
#define EIO        5
#define E2BIG      7
#define ENOEXEC    8
#define EBADF      9
#define ENOMEM    12
#define EFAULT    14
#define EBUSY     16
#define EEXIST    17
#define ENODEV    19
#define EINVAL    22
#define EFBIG     27
#define ENOSPC    28
#define EROFS     30
#define ERANGE    34
#define ENAMETOOLONG 36
#define ENOSYS    38
#define ENODATA   61
#define EOVERFLOW 75
#define EBADMSG   74
#define EOPNOTSUPP 95
#define EADDRNOTAVAIL 99
#define ETIMEDOUT 110
#define ECANCELED 125
#endif
