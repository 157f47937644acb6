/*
 * Leaving QEMU. Baton writes a byte to the isa-debug-exit device
 * (-device isa-debug-exit,iobase=0xf4,iosize=0x04); QEMU then exits with status
 * (value << 1) | 1. Status 0 is impossible through this device.
 *
 *   value  QEMU status  meaning
 *   0x10   33           ktest verdict: every test passed
 *   0x11   35           ktest verdict: at least one test failed
 *   0x12   37           panic or fatal exception (register dump printed before)
 *   N      2N+1         `poweroff N` (N in 0..255); `poweroff` alone writes 0 -> 1
 *
 * tests/qemu/baton.py keeps the same table. Without the device, Baton tries ACPI S5
 * and then halts.
 */
#ifndef EXIT_H
#define EXIT_H

#define QEMU_EXIT_PORT     0xf4
#define EXIT_KTEST_PASS    0x10
#define EXIT_KTEST_FAIL    0x11
#define EXIT_PANIC         0x12

#ifndef __ASSEMBLY__
__attribute__((noreturn)) void qemu_exit(unsigned value);
#endif
#endif
