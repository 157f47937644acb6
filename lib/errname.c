/* errno value -> name table. Kept in one place so result lines never disagree. */
#include <errno.h>
#include <errname.h>

static const struct { int err; const char *name; } names[] = {
	{ EPERM, "EPERM" },     { ENOENT, "ENOENT" },   { EIO, "EIO" },
	{ E2BIG, "E2BIG" },     { ENOEXEC, "ENOEXEC" }, { EBADF, "EBADF" },
	{ ENOMEM, "ENOMEM" },   { EFAULT, "EFAULT" },   { EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" },   { ENODEV, "ENODEV" },   { EINVAL, "EINVAL" },
	{ EFBIG, "EFBIG" },     { ENOSPC, "ENOSPC" },   { ERANGE, "ERANGE" },
	{ ENAMETOOLONG, "ENAMETOOLONG" }, { ENOSYS, "ENOSYS" },
	{ ENODATA, "ENODATA" }, { EBADMSG, "EBADMSG" }, { EOVERFLOW, "EOVERFLOW" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { EADDRNOTAVAIL, "EADDRNOTAVAIL" },
	{ ETIMEDOUT, "ETIMEDOUT" }, { EROFS, "EROFS" },
};

const char *errname(int err)
{
	if (err < 0)
		err = -err;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].err == err)
			return names[i].name;
	return "EUNKNOWN";
}
