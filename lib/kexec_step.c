/*
 * Running the pre-exec steps (include/kexec_step.h): every prepare in section
 * order; when one fails, the undo of each step before it, last first. kexec
 * (kernel/kexec.c) runs them before the jump, and the host tests run the same
 * code over their own section (tests/host/shim/luo_sections.ld).
 */
#include <kexec_step.h>
#include <printk.h>

extern const struct kexec_step __kexec_step_start[], __kexec_step_end[];

int kexec_steps_prepare(const char **failed)
{
	for (const struct kexec_step *s = __kexec_step_start; s < __kexec_step_end; s++) {
		int err = s->prepare ? s->prepare() : 0;
		if (err) {
			printk("kexec: %s failed (%d); undoing\n", s->name, err);
			*failed = s->name;
			while (s-- > __kexec_step_start)
				if (s->undo)
					s->undo();
			return err;
		}
	}
	return 0;
}

void kexec_steps_undo(void)
{
	for (const struct kexec_step *s = __kexec_step_end; s-- > __kexec_step_start;)
		if (s->undo)
			s->undo();
}
