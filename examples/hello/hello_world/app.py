import json
import os


def lambda_handler(event, context):
    """Greets whoever the event names, and says where it ran."""
    name = event.get("name", "world")
    message = f"{os.environ['GREETING']}, {name}!"  # a good line for a breakpoint
    print(f"greeting {name} from {context.function_name}")
    return {
        "statusCode": 200,
        "body": json.dumps(
            {
                "message": message,
                "stage": os.environ["STAGE"],
                "table": os.environ["TABLE_NAME"],
                "requestId": context.aws_request_id,
            }
        ),
    }
