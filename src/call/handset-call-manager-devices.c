/* handset-call-manager-devices.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The device that answered or declined a call, named: its party ID is a
 * device ID when the client uses device IDs as party IDs, as Handset and
 * Element do, and the device's name says more.
 */

#define G_LOG_DOMAIN "Handset-Call"

#include "config.h"

#include "handset-call-manager-private.h"

typedef struct
{
  HandsetCall *call;
  char *party_id;
} NameLookup;

static void
device_name_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  NameLookup *lookup = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;

  name = handset_devices_lookup_name_finish (HANDSET_DEVICES (object), result, &error);
  if (name != NULL &&
      g_strcmp0 (handset_call_get_answered_by_party (lookup->call), lookup->party_id) == 0)
    handset_call_set_answered_by (lookup->call, name);
  else if (name == NULL)
    g_debug ("No name for device %s: %s", lookup->party_id, error->message);

  g_object_unref (lookup->call);
  g_free (lookup->party_id);
  g_free (lookup);
}

/* The party that answered is a device ID when the client uses device IDs
 * as party IDs, as Handset and Element do; its name says more. */
void
handset_call_manager_answered_by_cb (HandsetCall *call, GParamSpec *pspec, HandsetCallManager *self)
{
  const char *party = handset_call_get_answered_by_party (call);
  const char *user_id;
  NameLookup *lookup;

  if (self->devices == NULL || party == NULL ||
      g_strcmp0 (handset_call_get_answered_by (call), party) != 0)
    return;

  /* Answered elsewhere is one of our devices; an outgoing call's answer is
   * the opponent's. */
  user_id = handset_call_get_direction (call) == HANDSET_CALL_DIRECTION_INCOMING
                ? self->own_user_id
                : handset_call_get_opponent_user_id (call);
  if (user_id == NULL)
    user_id = handset_call_get_invitee (call);
  if (user_id == NULL)
    return;

  lookup = g_new0 (NameLookup, 1);
  lookup->call = g_object_ref (call);
  lookup->party_id = g_strdup (party);
  handset_devices_lookup_name_async (self->devices, user_id, party, NULL, device_name_cb, lookup);
}
