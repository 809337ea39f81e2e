"""Orders are kept per tenant; the status page is the same for everyone."""


def orders(event, context):
    return {"tenant": context.tenant_id, "orders": event.get("orders", [])}


def status(event, context):
    return {"status": "ok", "tenant": getattr(context, "tenant_id", "no attribute")}
