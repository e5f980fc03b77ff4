/* handset-retired-device.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "handset-account.h"

G_BEGIN_DECLS

void handset_retired_device_forget_async (HandsetAccount *account,
                                          const char *homeserver,
                                          const char *user_id,
                                          const char *device_id,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data);
void handset_retired_device_forget_client_async (HandsetAccount *account,
                                                 HandsetMatrixClient *client,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer user_data);
gboolean handset_retired_device_forget_finish (HandsetAccount *account,
                                               GAsyncResult *result,
                                               GError **error);

G_END_DECLS
