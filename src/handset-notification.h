/* handset-notification.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean handset_notification_body_is_markup (const char *backend, const char *const *capabilities);
GNotification *handset_notification_new (const char *title, const char *body);

G_END_DECLS
