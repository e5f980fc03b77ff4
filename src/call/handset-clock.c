/* handset-clock.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real clock: g_get_monotonic_time() and GLib timeouts, each of which
 * fires once.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-clock.h"

G_DEFINE_TYPE (HandsetClock, handset_clock, G_TYPE_OBJECT)

static gint64
real_get_time (HandsetClock *self)
{
  return g_get_monotonic_time ();
}

static guint
real_add_timeout (HandsetClock *self, guint ms, GSourceOnceFunc func, gpointer data)
{
  return g_timeout_add_once (ms, func, data);
}

static void
real_remove (HandsetClock *self, guint id)
{
  g_source_remove (id);
}

static void
handset_clock_class_init (HandsetClockClass *klass)
{
  klass->get_time = real_get_time;
  klass->add_timeout = real_add_timeout;
  klass->remove = real_remove;
}

static void
handset_clock_init (HandsetClock *self)
{
}

/**
 * handset_clock_get_default:
 *
 * Returns: (transfer none): the real clock
 */
HandsetClock *
handset_clock_get_default (void)
{
  static gsize clock;

  if (g_once_init_enter (&clock))
    g_once_init_leave (&clock, (gsize) g_object_new (HANDSET_TYPE_CLOCK, NULL));

  return (HandsetClock *) clock;
}

gint64
handset_clock_get_time (HandsetClock *self)
{
  return HANDSET_CLOCK_GET_CLASS (self)->get_time (self);
}

/**
 * handset_clock_add_timeout:
 * @func: called once
 */
guint
handset_clock_add_timeout (HandsetClock *self, guint ms, GSourceOnceFunc func, gpointer data)
{
  return HANDSET_CLOCK_GET_CLASS (self)->add_timeout (self, ms, func, data);
}

void
handset_clock_remove (HandsetClock *self, guint id)
{
  HANDSET_CLOCK_GET_CLASS (self)->remove (self, id);
}

/**
 * handset_clock_clear:
 *
 * Cancels the timeout in *@id, if any, and sets it to 0.
 */
void
handset_clock_clear (HandsetClock *self, guint *id)
{
  if (*id != 0)
    handset_clock_remove (self, *id);
  *id = 0;
}
