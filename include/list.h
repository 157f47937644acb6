/*
 * Intrusive doubly linked lists: a struct list_head is embedded in each element
 * and one more is the list's head; the list is circular through the head, so an
 * empty list is a head pointing at itself, and adding or removing is O(1) at
 * either end without special cases. Iteration goes either way: every unwind of a
 * partly done operation (undo what was done, last first) is a reverse walk from
 * the element that failed.
 *
 * An element is on at most one list through a given member. list_del() leaves the
 * removed node pointing at itself, so a second list_del() is harmless and
 * list_empty() on a removed node is true. Pure header: builds for the host too.
 */
#ifndef LIST_H
#define LIST_H
#include <types.h>

struct list_head {
	struct list_head *next, *prev;
};

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define LIST_HEAD_INIT(name) { &(name), &(name) }

static inline void list_init(struct list_head *h)
{
	h->next = h;
	h->prev = h;
}

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

static inline void list_insert_between(struct list_head *n, struct list_head *prev,
				       struct list_head *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

/* n becomes the last element of h. */
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	list_insert_between(n, h->prev, h);
}

/* n becomes the first element of h. */
static inline void list_add(struct list_head *n, struct list_head *h)
{
	list_insert_between(n, h, h->next);
}

static inline void list_del(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(h, type, member) list_entry((h)->next, type, member)
#define list_last_entry(h, type, member) list_entry((h)->prev, type, member)

/* Forward and backward over every element; the body must not remove pos. */
#define list_for_each_entry(pos, h, member)                                           \
	for (pos = list_entry((h)->next, __typeof__(*pos), member); &pos->member != (h); \
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))
#define list_for_each_entry_reverse(pos, h, member)                                   \
	for (pos = list_entry((h)->prev, __typeof__(*pos), member); &pos->member != (h); \
	     pos = list_entry(pos->member.prev, __typeof__(*pos), member))

/* Backward from the element before pos (pos itself excluded): the unwind of an
 * operation that failed at pos. */
#define list_for_each_entry_continue_reverse(pos, h, member)                          \
	for (pos = list_entry(pos->member.prev, __typeof__(*pos), member);              \
	     &pos->member != (h);                                                       \
	     pos = list_entry(pos->member.prev, __typeof__(*pos), member))

/* The same, where the body may remove (and free) pos; tmp is the cursor's spare. */
#define list_for_each_entry_safe(pos, tmp, h, member)                                 \
	for (pos = list_entry((h)->next, __typeof__(*pos), member),                     \
	     tmp = list_entry(pos->member.next, __typeof__(*pos), member);              \
	     &pos->member != (h);                                                       \
	     pos = tmp, tmp = list_entry(tmp->member.next, __typeof__(*pos), member))
#define list_for_each_entry_safe_reverse(pos, tmp, h, member)                         \
	for (pos = list_entry((h)->prev, __typeof__(*pos), member),                     \
	     tmp = list_entry(pos->member.prev, __typeof__(*pos), member);              \
	     &pos->member != (h);                                                       \
	     pos = tmp, tmp = list_entry(tmp->member.prev, __typeof__(*pos), member))
#endif
