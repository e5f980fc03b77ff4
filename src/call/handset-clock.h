/* handset-clock.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define HANDSET_TYPE_CLOCK (handset_clock_get_type ())
G_DECLARE_DERIVABLE_TYPE (HandsetClock, handset_clock, HANDSET, CLOCK, GObject)

/**
 * HandsetClockClass:
 * @get_time: the monotonic time in microseconds
 * @add_timeout: calls @func once after @ms milliseconds; returns an ID
 * @remove: cancels a timeout that has not fired
 *
 * Where calls read the time and set their timers, so tests can run a
 * call's 90 seconds in no time.
 */
struct _HandsetClockClass
{
  GObjectClass parent_class;

  gint64 (*get_time) (HandsetClock *self);
  guint (*add_timeout) (HandsetClock *self, guint ms, GSourceOnceFunc func, gpointer data);
  void (*remove) (HandsetClock *self, guint id);
};

HandsetClock *handset_clock_get_default (void);

gint64 handset_clock_get_time (HandsetClock *self);
guint handset_clock_add_timeout (HandsetClock *self, guint ms, GSourceOnceFunc func, gpointer data);
void handset_clock_remove (HandsetClock *self, guint id);
void handset_clock_clear (HandsetClock *self, guint *id);

G_END_DECLS
