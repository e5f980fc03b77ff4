/* handset-media-ice.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The ICE of a call's media: the agent set up (no UPnP, quicker checks,
 * the homeserver's TURN servers, relay only when asked, and exactly the
 * local addresses HANDSET_ICE_ADDRESSES names, comma-separated: libnice
 * gathers no loopback candidates by itself), our candidates handed to the
 * call once the description they would otherwise be in has left, the
 * peer's given to webrtcbin once its description is set, and the states
 * of the connection and of gathering, brought to the main context.
 */

#define G_LOG_DOMAIN "Handset-Media"

#include "config.h"

#include <gst/sdp/sdp.h>
#include <nice/agent.h>

#include "handset-ice-server.h"
#include "handset-media-session-private.h"

#define ICE_PACING_MS 5

/* ------------------------------------------------------------------ candidates */

typedef struct
{
  guint mline;
  char *candidate;
} LocalCandidate;

static void
local_candidate_free (LocalCandidate *c)
{
  g_free (c->candidate);
  g_free (c);
}

static gboolean
local_candidate_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;
  HandsetMediaSession *self = invoke->self;
  LocalCandidate *c = invoke->data;
  g_autofree char *mid = NULL;
  g_autoptr (HandsetIceCandidate) candidate = NULL;

  /* Before the description left, the candidate is in its SDP. */
  if (!self->description_sent)
    return G_SOURCE_REMOVE;

  mid = g_strdup_printf ("%u", c->mline);
  {
    GstWebRTCSessionDescription *local = NULL;

    g_object_get (self->webrtc, "local-description", &local, NULL);
    if (local != NULL)
      {
        if (c->mline < gst_sdp_message_medias_len (local->sdp))
          {
            const char *real = gst_sdp_media_get_attribute_val (
                gst_sdp_message_get_media (local->sdp, c->mline), "mid");

            if (real != NULL)
              {
                g_free (mid);
                mid = g_strdup (real);
              }
          }
        gst_webrtc_session_description_free (local);
      }
  }
  candidate = handset_ice_candidate_new (c->candidate, mid, (int) c->mline);
  g_signal_emit_by_name (self, "local-candidate", candidate);

  return G_SOURCE_REMOVE;
}

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, HandsetMediaSession *self)
{
  LocalCandidate *c = g_new0 (LocalCandidate, 1);

  c->mline = mline;
  /* webrtcbin writes "candidate:…" as the a= line has it. */
  c->candidate =
      g_str_has_prefix (candidate, "a=") ? g_strdup (candidate + 2) : g_strdup (candidate);
  handset_media_session_run_in_main (self, local_candidate_in_main, c,
                                     (GDestroyNotify) local_candidate_free);
}

static void
give_candidate (HandsetMediaSession *self, const HandsetIceCandidate *candidate)
{
  int mline = candidate->sdp_mline_index;

  if (mline < 0 && candidate->sdp_mid != NULL)
    for (guint i = 0; i < self->remote_mids->len; i++)
      if (g_str_equal (g_ptr_array_index (self->remote_mids, i), candidate->sdp_mid))
        mline = (int) i;
  if (mline < 0)
    mline = 0; /* with max-bundle, every m-line shares one transport */

  g_signal_emit_by_name (self->webrtc, "add-ice-candidate", (guint) mline, candidate->candidate);
}

static void
remote_gathering_done (HandsetMediaSession *self)
{
  GstWebRTCICE *ice = NULL;
  NiceAgent *agent = NULL;

  /* Tell libnice the peer has sent all: it can fail sooner. */
  g_object_get (self->webrtc, "ice-agent", &ice, NULL);
  if (ice != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent"))
    g_object_get (ice, "agent", &agent, NULL);
  if (agent != NULL)
    for (guint stream = 1; stream <= 4; stream++)
      nice_agent_peer_candidate_gathering_done (agent, stream);
  g_clear_object (&agent);
  g_clear_object (&ice);
}

void
handset_media_session_apply_pending_candidates (HandsetMediaSession *self)
{
  g_autoptr (GPtrArray) pending = g_steal_pointer (&self->pending_candidates);

  self->pending_candidates =
      g_ptr_array_new_with_free_func ((GDestroyNotify) handset_ice_candidate_free);
  for (guint i = 0; i < pending->len; i++)
    {
      HandsetIceCandidate *candidate = g_ptr_array_index (pending, i);

      if (handset_ice_candidate_is_end (candidate))
        remote_gathering_done (self);
      else
        give_candidate (self, candidate);
    }
}

static void
session_add_remote_candidate (HandsetMedia *media, const HandsetIceCandidate *candidate)
{
  HandsetMediaSession *self = HANDSET_MEDIA_SESSION (media);

  if (self->closed || handset_media_session_hold_candidate (self, candidate))
    return;
  if (!self->remote_set)
    {
      g_ptr_array_add (self->pending_candidates, handset_ice_candidate_copy (candidate));
      return;
    }
  if (handset_ice_candidate_is_end (candidate))
    remote_gathering_done (self);
  else
    give_candidate (self, candidate);
}

/* ------------------------------------------------------------------ ICE state */

static gboolean
ice_state_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;
  GstWebRTCICEConnectionState state = GPOINTER_TO_INT (invoke->data);

  /* GStreamer's states are in the same order as HandsetIceState. */
  g_debug ("ICE connection state %d", state);
  g_signal_emit_by_name (invoke->self, "ice-state-changed", (int) state);

  return G_SOURCE_REMOVE;
}

static void
on_ice_connection_state (GstElement *webrtc, GParamSpec *pspec, HandsetMediaSession *self)
{
  GstWebRTCICEConnectionState state;

  g_object_get (webrtc, "ice-connection-state", &state, NULL);
  handset_media_session_run_in_main (self, ice_state_in_main, GINT_TO_POINTER (state), NULL);
}

static gboolean
gathering_done_in_main (gpointer user_data)
{
  Invoke *invoke = user_data;
  HandsetMediaSession *self = invoke->self;

  /* An offer or answer waiting for early candidates need wait no more. */
  if (self->waiting_description != NULL)
    {
      g_clear_handle_id (&self->early_timer, g_source_remove);
      handset_media_session_return_local_description (self);
    }
  g_signal_emit_by_name (self, "gathering-done");

  return G_SOURCE_REMOVE;
}

static void
on_ice_gathering_state (GstElement *webrtc, GParamSpec *pspec, HandsetMediaSession *self)
{
  GstWebRTCICEGatheringState state;

  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    handset_media_session_run_in_main (self, gathering_done_in_main, NULL, NULL);
}

/* ------------------------------------------------------------------ the agent */

static void
configure_ice (HandsetMediaSession *self)
{
  GstWebRTCICE *ice = NULL;
  NiceAgent *agent = NULL;
  const char *addresses = g_getenv ("HANDSET_ICE_ADDRESSES");

  g_object_get (self->webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL)
    return;

  /* libnice looks for UPnP routers by multicast unless told not to. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent"))
    g_object_get (ice, "agent", &agent, NULL);
  if (agent != NULL)
    g_object_set (agent, "upnp", FALSE, NULL);
  /* Connectivity checks every 5 ms rather than libnice's 20, the least
   * RFC 8445 (14.2) allows: the caller, once it has the answer, needs a
   * tick for its first check and, nominating regularly, another for the
   * check that nominates; each tick is that much later sound. */
  if (agent != NULL)
    g_object_set (agent, "stun-pacing-timer", (guint) ICE_PACING_MS, NULL);
  /* No TCP host candidates (RFC 6544): the peers they connect are the ones
   * UDP connects, their checks take ticks of their own before the
   * nomination, and a network that blocks UDP is crossed by the TURN
   * relay over TCP or TLS. */
  if (agent != NULL)
    g_object_set (agent, "ice-tcp", FALSE, NULL);

  if (addresses != NULL && *addresses != '\0')
    {
      g_auto (GStrv) list = g_strsplit (addresses, ",", -1);

      for (guint i = 0; list[i] != NULL; i++)
        {
          gboolean ok = FALSE;

          g_strstrip (list[i]);
          if (*list[i] == '\0')
            continue;
          g_signal_emit_by_name (ice, "add-local-ip-address", list[i], &ok);
          if (!ok)
            g_warning ("ICE cannot use the local address %s", list[i]);
        }
    }

  g_clear_object (&agent);
  g_object_unref (ice);
}

/**
 * handset_media_turn_uri:
 * @uri: a `turn:` or `turns:` URI from the homeserver
 *
 * webrtcbin takes TURN servers as one URI with the credentials in it; the
 * homeserver's username holds `:` and `@`, so both parts are
 * percent-encoded.
 *
 * Returns: (transfer full) (nullable): `turn://user:pass@host:port?…`
 */
char *
handset_media_turn_uri (const char *uri, const char *username, const char *password)
{
  g_autofree char *user = NULL;
  g_autofree char *pass = NULL;
  const char *rest;
  const char *scheme;

  if (g_str_has_prefix (uri, "turns:"))
    scheme = "turns", rest = uri + strlen ("turns:");
  else if (g_str_has_prefix (uri, "turn:"))
    scheme = "turn", rest = uri + strlen ("turn:");
  else
    return NULL;
  if (g_str_has_prefix (rest, "//"))
    rest += 2;

  user = g_uri_escape_string (username, NULL, FALSE);
  pass = g_uri_escape_string (password, NULL, FALSE);

  return g_strdup_printf ("%s://%s:%s@%s", scheme, user, pass, rest);
}

/**
 * handset_media_session_set_turn:
 *
 * The TURN servers of the homeserver, for every candidate gathering that
 * follows.
 */
void
handset_media_session_set_turn (HandsetMediaSession *self,
                                const char *const *uris,
                                const char *username,
                                const char *password)
{
  g_return_if_fail (HANDSET_IS_MEDIA_SESSION (self));

  for (guint i = 0; uris != NULL && uris[i] != NULL; i++)
    {
      g_autofree char *uri = handset_media_turn_uri (uris[i], username, password);
      gboolean ok = FALSE;

      /* Some homeservers list a STUN server with their TURN servers. */
      if (g_str_has_prefix (uris[i], "stun:"))
        handset_media_session_set_stun (self, uris[i]);
      if (uri == NULL)
        continue;
      g_signal_emit_by_name (self->webrtc, "add-turn-server", uri, &ok);
      if (!ok)
        g_warning ("A TURN server was refused by the media stack");
      self->has_relay |= ok;
    }
}

/**
 * handset_media_session_set_stun:
 * @uri: a `stun:` address (RFC 7064)
 *
 * A STUN server, which lets the call find the address it has outside a
 * NAT; it relays nothing.
 */
void
handset_media_session_set_stun (HandsetMediaSession *self, const char *uri)
{
  g_autofree char *stun = NULL;

  g_return_if_fail (HANDSET_IS_MEDIA_SESSION (self));

  stun = handset_ice_server_stun_uri (uri);
  if (stun == NULL)
    {
      g_warning ("Not a STUN server: %s", uri);
      return;
    }
  g_object_set (self->webrtc, "stun-server", stun, NULL);
}

/**
 * handset_media_session_set_relay_only:
 *
 * "Always use a TURN relay": only relayed candidates, so the peer never
 * learns our address.
 */
void
handset_media_session_set_relay_only (HandsetMediaSession *self, gboolean relay_only)
{
  g_return_if_fail (HANDSET_IS_MEDIA_SESSION (self));

  g_object_set (self->webrtc, "ice-transport-policy",
                relay_only ? GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY
                           : GST_WEBRTC_ICE_TRANSPORT_POLICY_ALL,
                NULL);
}

/* The agent set up, and webrtcbin's candidates and states followed. */
void
handset_media_session_start_ice (HandsetMediaSession *self)
{
  configure_ice (self);

  g_signal_connect (self->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), self);
  g_signal_connect (self->webrtc, "notify::ice-connection-state",
                    G_CALLBACK (on_ice_connection_state), self);
  g_signal_connect (self->webrtc, "notify::ice-gathering-state",
                    G_CALLBACK (on_ice_gathering_state), self);
}

void
handset_media_session_ice_iface_init (HandsetMediaInterface *iface)
{
  iface->add_remote_candidate = session_add_remote_candidate;
}
