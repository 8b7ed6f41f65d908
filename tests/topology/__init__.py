"""`make test-topology`: the portal as it runs on several machines, all on this
one (see __main__.py). Not part of `make test`: it starts a PostgreSQL primary
and replica, a Redis, a load balancer, two web servers, two workers and beat."""
