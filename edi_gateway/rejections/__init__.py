"""The work queue of rejections and denials: an item for everything the gateway rejects,
owned by someone until it is fixed, closed by itself when the corrected claim is accepted."""
