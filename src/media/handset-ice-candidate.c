/* handset-ice-candidate.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An ICE candidate as a call's signalling and its media exchange it.
 */

#include "config.h"

#include "handset-ice-candidate.h"

G_DEFINE_BOXED_TYPE (HandsetIceCandidate,
                     handset_ice_candidate,
                     handset_ice_candidate_copy,
                     handset_ice_candidate_free)

HandsetIceCandidate *
handset_ice_candidate_new (const char *candidate, const char *sdp_mid, int sdp_mline_index)
{
  HandsetIceCandidate *self = g_new0 (HandsetIceCandidate, 1);

  self->candidate = g_strdup (candidate ? candidate : "");
  self->sdp_mid = g_strdup (sdp_mid);
  self->sdp_mline_index = sdp_mline_index;

  return self;
}

HandsetIceCandidate *
handset_ice_candidate_copy (const HandsetIceCandidate *candidate)
{
  return handset_ice_candidate_new (candidate->candidate, candidate->sdp_mid,
                                    candidate->sdp_mline_index);
}

void
handset_ice_candidate_free (HandsetIceCandidate *candidate)
{
  if (candidate == NULL)
    return;

  g_free (candidate->candidate);
  g_free (candidate->sdp_mid);
  g_free (candidate);
}

gboolean
handset_ice_candidate_is_end (const HandsetIceCandidate *candidate)
{
  return candidate->candidate[0] == '\0';
}
