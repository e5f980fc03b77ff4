/* handset-ice-candidate.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct
{
  char *candidate;     /* "" marks the end of candidates */
  char *sdp_mid;       /* nullable */
  int sdp_mline_index; /* -1 when absent */
} HandsetIceCandidate;

#define HANDSET_TYPE_ICE_CANDIDATE (handset_ice_candidate_get_type ())
GType handset_ice_candidate_get_type (void) G_GNUC_CONST;

HandsetIceCandidate *
handset_ice_candidate_new (const char *candidate, const char *sdp_mid, int sdp_mline_index);
HandsetIceCandidate *handset_ice_candidate_copy (const HandsetIceCandidate *candidate);
void handset_ice_candidate_free (HandsetIceCandidate *candidate);
gboolean handset_ice_candidate_is_end (const HandsetIceCandidate *candidate);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HandsetIceCandidate, handset_ice_candidate_free)

G_END_DECLS
