/* handset-camera-portal.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

G_BEGIN_DECLS

gboolean handset_camera_portal_wanted (void);

void handset_camera_portal_is_present_async (GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data);
gboolean handset_camera_portal_is_present_finish (GAsyncResult *result, GError **error);

void handset_camera_portal_open_async (GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
int handset_camera_portal_open_finish (GAsyncResult *result, GError **error);

GstDeviceProvider *handset_camera_portal_make_provider (int fd, GError **error);

G_END_DECLS
