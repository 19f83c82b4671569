"""Human workflows on the picture: referrals to partners, interventions and outcomes, NRM referrals.

``models`` declares the casework tables (migration 0003); ``referrals`` and
``nrm`` hold the rules of each workflow (which transitions are allowed, what
must be given); the service layer (crossline.service.safeguarding) checks
policy and audits around them.
"""
