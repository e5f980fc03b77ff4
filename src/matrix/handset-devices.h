/* handset-devices.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "handset-matrix-client.h"

G_BEGIN_DECLS

#define HANDSET_TYPE_DEVICES (handset_devices_get_type ())
G_DECLARE_FINAL_TYPE (HandsetDevices, handset_devices, HANDSET, DEVICES, GObject)

HandsetDevices *handset_devices_new (HandsetMatrixClient *client);

const char *
handset_devices_get_cached_name (HandsetDevices *self, const char *user_id, const char *device_id);

void handset_devices_lookup_name_async (HandsetDevices *self,
                                        const char *user_id,
                                        const char *device_id,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
char *
handset_devices_lookup_name_finish (HandsetDevices *self, GAsyncResult *result, GError **error);

G_END_DECLS
