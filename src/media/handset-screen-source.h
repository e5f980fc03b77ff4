/* handset-screen-source.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

G_BEGIN_DECLS

void handset_screen_source_open_async (GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
GstElement *handset_screen_source_open_finish (GAsyncResult *result, GError **error);

G_END_DECLS
