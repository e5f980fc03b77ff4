/* handset-screencast-portal.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

G_BEGIN_DECLS

gboolean handset_screencast_portal_available (void);

void handset_screencast_portal_open_async (GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
GstElement *handset_screencast_portal_open_finish (GAsyncResult *result, GError **error);

G_END_DECLS
