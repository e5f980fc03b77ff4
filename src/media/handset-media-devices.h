/* handset-media-devices.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  HANDSET_MEDIA_DEVICE_MICROPHONE,
  HANDSET_MEDIA_DEVICE_SPEAKER,
  HANDSET_MEDIA_DEVICE_CAMERA,
} HandsetMediaDeviceKind;

#define HANDSET_TYPE_MEDIA_DEVICE_KIND (handset_media_device_kind_get_type ())
GType handset_media_device_kind_get_type (void) G_GNUC_CONST;

#define HANDSET_TYPE_MEDIA_DEVICE (handset_media_device_get_type ())
G_DECLARE_FINAL_TYPE (HandsetMediaDevice, handset_media_device, HANDSET, MEDIA_DEVICE, GObject)

const char *handset_media_device_get_name (HandsetMediaDevice *self);
const char *handset_media_device_get_display_name (HandsetMediaDevice *self);
HandsetMediaDeviceKind handset_media_device_get_kind (HandsetMediaDevice *self);

#define HANDSET_TYPE_MEDIA_DEVICES (handset_media_devices_get_type ())
G_DECLARE_FINAL_TYPE (HandsetMediaDevices, handset_media_devices, HANDSET, MEDIA_DEVICES, GObject)

HandsetMediaDevices *handset_media_devices_new (void);
HandsetMediaDevices *handset_media_devices_new_lazy (void);
void handset_media_devices_start (HandsetMediaDevices *self);
gboolean handset_media_devices_can_send_video (HandsetMediaDevices *devices);

GListModel *handset_media_devices_get_microphones (HandsetMediaDevices *self);
GListModel *handset_media_devices_get_speakers (HandsetMediaDevices *self);
GListModel *handset_media_devices_get_cameras (HandsetMediaDevices *self);
gboolean handset_media_devices_cameras_ready (HandsetMediaDevices *self);
void handset_media_devices_request_cameras_async (HandsetMediaDevices *self,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer user_data);
gboolean handset_media_devices_request_cameras_finish (HandsetMediaDevices *self,
                                                       GAsyncResult *result,
                                                       GError **error);
HandsetMediaDevice *handset_media_devices_find (HandsetMediaDevices *self,
                                                HandsetMediaDeviceKind kind,
                                                const char *name);

G_END_DECLS
