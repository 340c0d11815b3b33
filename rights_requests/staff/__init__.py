"""Staff work in the admin: queues, actions, the request page, registration, the DPO dashboard.

Everything here reads through `selectors` (scoped to the staff member's companies by
`rights_requests.roles`) and changes requests only through `rights_requests.workflow`.
"""
