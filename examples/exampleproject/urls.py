"""Django URLconf.

The HTTP API lives in exampleproject/api.py and is served by `manage.py runbolt`;
no classic Django views are routed here.
"""

urlpatterns: list = []
