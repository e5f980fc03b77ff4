/* handset-screencast-portal.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

G_BEGIN_DECLS

/* The name of the element message the screen's element posts when the
 * desktop ended the share (the portal's Session::Closed). */
#define HANDSET_SCREENCAST_CLOSED_MESSAGE "handset-screencast-closed"

gboolean handset_screencast_portal_available (void);

void handset_screencast_portal_open_async (GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
GstElement *handset_screencast_portal_open_finish (GAsyncResult *result, GError **error);

G_END_DECLS
