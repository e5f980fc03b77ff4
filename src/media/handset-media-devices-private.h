/* handset-media-devices-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The GStreamer side of the devices, for the media layer only: above it,
 * a device is a name.
 */
#pragma once

#include <gst/gst.h>

#include "handset-media-devices.h"

G_BEGIN_DECLS

/* What a phone's sound asks of the desktop's sound server. */
typedef enum
{
  HANDSET_MEDIA_SOUND_CALL,           /* a call's: echo cancellation as well */
  HANDSET_MEDIA_SOUND_CALL_PROCESSED, /* a call's whose echo the pipeline cancels */
  HANDSET_MEDIA_SOUND_RINGTONE,       /* a ringtone's */
} HandsetMediaSound;

HandsetMediaDevice *handset_media_device_new (GstDevice *device, HandsetMediaDeviceKind kind);
GstDevice *handset_media_device_get_gst_device (HandsetMediaDevice *self);
GstElement *handset_media_device_create_element (HandsetMediaDevice *self, GError **error);

gboolean handset_media_devices_overridden (const char *variable);
GstElement *handset_media_devices_system_audio (const char *variable,
                                                const char *factory,
                                                HandsetMediaSound sound,
                                                GError **error);

G_END_DECLS
