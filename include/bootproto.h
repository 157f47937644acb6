/* Which producer entered the kernel (boot/entry.S passes it to kmain). */
#ifndef BOOTPROTO_H
#define BOOTPROTO_H
#define BOOT_PROTO_UNKNOWN 0
#define BOOT_PROTO_MB2     1
#define BOOT_PROTO_PVH     2
#endif
