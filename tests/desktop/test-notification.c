/* test-notification.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Whether a notification's body is escaped, by where it is shown. (The
 * window tests see bodies reach a freedesktop server that reads markup.)
 */

#include "config.h"

#include "handset-notification.h"

static void
test_markup_by_backend (void)
{
  const char *markup[] = { "actions", "body", "body-markup", NULL };
  const char *plain[] = { "actions", "body", NULL };

  /* The portal and GNOME Shell's own interface take plain text. */
  g_assert_false (handset_notification_body_is_markup ("portal", markup));
  g_assert_false (handset_notification_body_is_markup ("gtk", NULL));
  /* A freedesktop server reads markup when it says so, or when it could
   * not be asked. */
  g_assert_true (handset_notification_body_is_markup ("freedesktop", markup));
  g_assert_false (handset_notification_body_is_markup ("freedesktop", plain));
  g_assert_true (handset_notification_body_is_markup ("freedesktop", NULL));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/notification/markup-by-backend", test_markup_by_backend);

  return g_test_run ();
}
